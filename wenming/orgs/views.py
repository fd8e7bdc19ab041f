from django.http import HttpResponse


def org_tree(request):
    return HttpResponse("todo")
